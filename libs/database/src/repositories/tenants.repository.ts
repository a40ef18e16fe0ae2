import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { TenantEntity } from '../entities';

@Injectable()
export class TenantsRepository {
  constructor(private readonly dataSource: DataSource) {}

  findBySlug(slug: string, manager: EntityManager = this.dataSource.manager): Promise<TenantEntity | null> {
    return manager.findOneBy(TenantEntity, { slug });
  }

  findById(id: string): Promise<TenantEntity | null> {
    return this.dataSource.manager.findOneBy(TenantEntity, { id });
  }

  create(manager: EntityManager, name: string, slug: string): Promise<TenantEntity> {
    return manager.save(manager.create(TenantEntity, { name, slug }));
  }
}
